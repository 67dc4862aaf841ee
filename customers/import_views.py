"""Import pages: upload → dry-run report (row, column, reason) → import all, or only the valid rows."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.ui.exports import csv_response

from . import imports
from .models import CustomerImport

IMPORT_PERMISSIONS = ("accounts.manage_configuration", "accounts.manage_key_accounts")


def _require_import_right(request) -> None:
    if not request.user.is_authenticated or not any(request.user.has_perm(p) for p in IMPORT_PERMISSIONS):
        raise PermissionDenied


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=CustomerImport.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("CSV or Excel file"),
        help_text=gettext_lazy("UTF-8 or GB18030 CSV, or .xlsx; at most 10 MB and 50,000 rows."),
    )


def upload(request):
    _require_import_right(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        if uploaded.size > imports.MAX_FILE_BYTES:
            form.add_error("file", _("The file is larger than 10 MB; split it."))
        else:
            try:
                record = imports.import_validate(
                    kind=form.cleaned_data["kind"], file_name=uploaded.name, content=uploaded.read(), user=request.user
                )
            except imports.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("customer_imports:report", pk=record.pk)
    recent = CustomerImport.objects.filter(created_by=request.user).defer("content")[:20]
    return render(
        request, "customers/imports/upload.html", {"form": form, "recent": recent, "kinds": CustomerImport.Kind.choices}
    )


def _own_import(request, pk: int) -> CustomerImport:
    _require_import_right(request)
    return get_object_or_404(CustomerImport.objects.defer("content"), pk=pk, created_by=request.user)


def report(request, pk: int):
    record = _own_import(request, pk)
    problems = [e for e in record.errors if e.get("row")]
    notes = [e for e in record.errors if not e.get("row")]
    page = Paginator(problems, 100).get_page(request.GET.get("page"))
    context = {
        "record": record,
        "page": page,
        "problem_count": len(problems),
        "notes": notes,
        "invalid_rows": len({e["row"] for e in problems}),
    }
    return render(request, "customers/imports/report.html", context)


def report_csv(request, pk: int):
    record = _own_import(request, pk)
    rows = [(e["row"], e["column"], e["reason"]) for e in record.errors]
    return csv_response(f"import-{record.pk}-errors", request.user, [_("Row"), _("Column"), _("Reason")], rows)


@require_POST
def apply(request, pk: int):
    record = _own_import(request, pk)
    try:
        record = imports.import_apply(
            customer_import=record, user=request.user, valid_rows_only=request.POST.get("valid_rows_only") == "1"
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        if record.status == CustomerImport.Status.IMPORTED:
            messages.success(request, _("%(n)d rows imported.") % {"n": record.imported_rows})
        else:
            messages.error(request, _("Nothing was imported; see the report."))
    return redirect("customer_imports:report", pk=record.pk)


def template(request, kind: str):
    _require_import_right(request)
    if kind not in CustomerImport.Kind.values:
        raise PermissionDenied
    response = HttpResponse(imports.template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{kind}-template.csv"'
    return response
