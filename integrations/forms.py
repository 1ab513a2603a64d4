from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from integrations.history import COLUMNS, MappingError, parse_column_map, parse_value_map
from integrations.importer import OpenLeads

MAX_UPLOAD_BYTES = 100 * 1024 * 1024


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class HistoryImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, separated by commas or semicolons, with a header row."))
    source_system = forms.SlugField(
        label=_("Source system"),
        max_length=50,
        initial="import",
        help_text=_("The system the external ids come from, e.g. salesforce. Importing again under the same name updates those leads."),
    )
    column_map = forms.CharField(
        label=_("Column mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Lead ID=external_id\nAangemaakt=created_at"}),
    )
    value_map = forms.CharField(
        label=_("Value mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "channel: paid_search=google_ads, social=meta"}),
        help_text=_("One per line, for channel or conversion_action: the field, a colon, then the file's value = Handoff's value, separated by commas."),
    )
    decimal_separator = forms.ChoiceField(
        label=_("Decimal separator in deal_value"),
        required=False,
        choices=[
            ("", _("Not given: refuse 12,500 or 1.250 (either could be meant)")),
            (",", _("Comma (12.500,50)")),
            (".", _("Point (12,500.50)")),
        ],
    )
    open_leads = forms.ChoiceField(
        label=_("Open leads (MQL and SAL in the file)"),
        choices=OpenLeads.choices,
        initial=OpenLeads.HISTORY,
        widget=forms.RadioSelect,
        help_text=_("A dry run reports how many leads would be scored and handed over."),
    )
    dry_run = forms.BooleanField(label=_("Dry run: only report what would happen"), required=False, initial=True)
    skip_bad_rows = forms.BooleanField(label=_("Skip bad rows and import the good ones"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted here, per request, so it is in the reader's language.
        self.fields["column_map"].help_text = gettext(
            "One per line: the file's column name = Handoff's field. Fields: %(fields)s."
        ) % {"fields": ", ".join(COLUMNS)}

    def import_options(self) -> dict:
        """The HistoryImport options the job stores."""
        data = self.cleaned_data
        return {
            "source_system": data["source_system"],
            "column_map": data["column_map"],
            "value_map": data["value_map"],
            "skip_bad_rows": data["skip_bad_rows"],
            "dry_run": data["dry_run"],
            "decimal_separator": data["decimal_separator"],
            "open_leads": data["open_leads"],
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 100 MB; import it with the importleads command."))
        return upload

    def clean_column_map(self):
        try:
            return parse_column_map(lines(self.cleaned_data["column_map"]))
        except MappingError as error:
            raise forms.ValidationError(str(error))

    def clean_value_map(self):
        try:
            return parse_value_map(lines(self.cleaned_data["value_map"]))
        except MappingError as error:
            raise forms.ValidationError(str(error))
