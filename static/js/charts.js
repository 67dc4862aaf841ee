// Charts of the report pages, drawn with the vendored ECharts. Each <div data-chart="KIND" data-chart-data="ID">
// reads its data from the <script type="application/json" id="ID"> block the page wrote with json_script.
//   bar:     {categories: [...], values: [...], series: "name"}            horizontal bars, largest on top
//   percent: {categories: [...], values: [...], targets: [...], series, target_series}
//            vertical bars of a percentage, red where below the target, with the target marked
//   columns: {categories: [...], series: [{name, values}], stacked: bool}        vertical bars, one colour a series
//   line:    {categories: [...], series: [{name, values}]}                        one line per series
//   pie:     {items: [{name, value}]}
//   heat:    {x: [...], y: [...], values: [[xIndex, yIndex, value], ...], series}  a grid coloured by value
// Any kind may carry links: [url per category] (or per item for pie): clicking a bar or slice drills down there.
(function () {
  "use strict";
  var BLUE = "#0b5cad", RED = "#b42318", GREY = "#6b7785";

  // Counts as integers, amounts and rates with two decimals.
  function number(value) {
    return Number.isInteger(value) ? value.toLocaleString() : value.toFixed(2);
  }

  function bar(data) {
    // Category axes list from the bottom up: reverse so the first (largest) row is on top.
    var categories = data.categories.slice().reverse(), values = data.values.slice().reverse();
    return {
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      grid: {left: 8, right: 48, top: 8, bottom: 8, containLabel: true},
      xAxis: {type: "value"},
      yAxis: {type: "category", data: categories, axisLabel: {width: 160, overflow: "truncate"}},
      series: [{name: data.series, type: "bar", data: values, itemStyle: {color: BLUE},
                label: {show: true, position: "right", formatter: function (p) { return number(p.value); }}}]
    };
  }

  function percent(data) {
    var bars = data.values.map(function (value, i) {
      var target = data.targets[i];
      var below = value !== null && target !== null && value < target;
      return {value: value, itemStyle: {color: below ? RED : BLUE}};
    });
    var known = data.values.concat(data.targets).filter(function (v) { return v !== null; });
    var lowest = known.length ? Math.min.apply(null, known) : 0;
    var targets = data.targets.filter(function (v) { return v !== null; });
    var oneTarget = targets.length > 0 && targets.every(function (v) { return v === targets[0]; });
    var line = {lineStyle: {color: GREY, type: "dashed", width: 2}, itemStyle: {color: GREY}};
    var series = [{
      name: data.series, type: "bar", data: bars, barMaxWidth: 48,
      label: {show: true, position: "top", formatter: function (p) { return p.value === null ? "" : p.value.toFixed(1); }}
    }];
    // One target for every work type: a line across the chart; different targets: a marker over each bar.
    series.push(oneTarget
      ? Object.assign({name: data.target_series, type: "line", data: [],
                       markLine: Object.assign({symbol: "none", silent: true, data: [{yAxis: targets[0]}],
                                                label: {formatter: "{c} %"}}, line)}, line)
      : Object.assign({name: data.target_series, type: "line", data: data.targets, symbol: "rect",
                       symbolSize: [28, 3], lineStyle: {width: 0}, itemStyle: line.itemStyle}));
    return {
      tooltip: {trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v.toFixed(1) + " %"; }},
      legend: {top: 0},
      grid: {left: 8, right: 48, top: 32, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: data.categories},
      // Targets sit near 100 %: start the axis below the lowest value so the gaps stay visible.
      yAxis: {type: "value", max: 100, min: Math.max(0, Math.floor((lowest - 5) / 10) * 10),
              axisLabel: {formatter: "{value} %"}},
      series: series
    };
  }

  var PALETTE = [BLUE, "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", GREY];

  function columns(data) {
    return {
      color: PALETTE,
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      legend: {top: 0},
      grid: {left: 8, right: 16, top: 32, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: data.categories, axisLabel: {interval: 0, rotate: data.categories.length > 8 ? 30 : 0}},
      yAxis: {type: "value"},
      series: data.series.map(function (s) {
        return {name: s.name, type: "bar", stack: data.stacked ? "all" : undefined, data: s.values, barMaxWidth: 40};
      })
    };
  }

  function line(data) {
    return {
      color: PALETTE,
      tooltip: {trigger: "axis"},
      legend: {top: 0},
      grid: {left: 8, right: 16, top: 32, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: data.categories, boundaryGap: false},
      yAxis: {type: "value"},
      series: data.series.map(function (s) { return {name: s.name, type: "line", data: s.values, smooth: true}; })
    };
  }

  function pie(data) {
    return {
      color: PALETTE,
      tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
      legend: {type: "scroll", bottom: 0},
      series: [{type: "pie", radius: ["35%", "65%"], data: data.items}]
    };
  }

  function heat(data) {
    var values = data.values.map(function (v) { return v[2]; });
    return {
      tooltip: {position: "top"},
      grid: {left: 8, right: 16, top: 8, bottom: 48, containLabel: true},
      xAxis: {type: "category", data: data.x, splitArea: {show: true}},
      yAxis: {type: "category", data: data.y, splitArea: {show: true}},
      visualMap: {min: 0, max: values.length ? Math.max.apply(null, values) : 1, calculable: true, orient: "horizontal",
                  left: "center", bottom: 0, inRange: {color: ["#f3f6fa", BLUE]}},
      series: [{name: data.series, type: "heatmap", data: data.values, label: {show: data.x.length <= 24}}]
    };
  }

  var KINDS = {bar: bar, percent: percent, columns: columns, line: line, pie: pie, heat: heat};

  function draw(element) {
    var build = KINDS[element.getAttribute("data-chart")];
    var source = document.getElementById(element.getAttribute("data-chart-data"));
    if (!build || !source || typeof echarts === "undefined") return;
    var chart = echarts.init(element);
    var data = JSON.parse(source.textContent);
    chart.setOption(build(data));
    if (data.links) {
      // Drill-down: the category (bar kinds) or the item (pie) clicked has a page of its own.
      var reversed = element.getAttribute("data-chart") === "bar";
      chart.on("click", function (p) {
        var i = reversed ? data.links.length - 1 - p.dataIndex : p.dataIndex;
        if (data.links[i]) window.location.href = data.links[i];
      });
    }
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
  }

  function drawAll() {
    document.querySelectorAll("[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
