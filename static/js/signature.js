// Signature pad (签名板): draw with a finger, a stylus or the mouse on <canvas data-signature-pad="field-id">;
// the drawing goes into the hidden input as a PNG data URL when the form is submitted. A "clear" button is
// any element with data-signature-clear="canvas-id". An empty pad leaves the input empty (the server refuses it).
(function () {
  "use strict";
  function setUp(canvas) {
    var input = document.getElementById(canvas.getAttribute("data-signature-pad"));
    var ctx = canvas.getContext("2d");
    var drawing = false, drawn = false, last = null;
    function resize() {
      var ratio = window.devicePixelRatio || 1;
      canvas.width = canvas.clientWidth * ratio;
      canvas.height = canvas.clientHeight * ratio;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
      drawn = false; input.value = "";
    }
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true; last = point(event); canvas.setPointerCapture(event.pointerId); event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; drawn = true; event.preventDefault();
    });
    function end() {
      if (drawing && drawn) input.value = canvas.toDataURL("image/png");
      drawing = false;
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", end);
    document.querySelectorAll('[data-signature-clear="' + canvas.id + '"]').forEach(function (button) {
      button.addEventListener("click", function (event) { event.preventDefault(); resize(); });
    });
    resize();
  }
  function init() { document.querySelectorAll("canvas[data-signature-pad]").forEach(setUp); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
