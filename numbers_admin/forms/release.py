"""Release confirmations: the admin types the number (or, for several, how many)."""

from django import forms
from django.core.exceptions import ValidationError

from numbers_admin import numbering


class ReleaseForm(forms.Form):
    key = forms.UUIDField(widget=forms.HiddenInput)
    confirm = forms.CharField(
        label="Type the number to confirm",
        max_length=40,
        error_messages={"required": "Type the number to confirm that you want to release it."},
    )

    def __init__(self, *args, number: str, shown: str = "", **kwargs):
        self.number = number
        super().__init__(*args, **kwargs)
        self.fields["confirm"].help_text = f"Type {shown or number} (any format works)."

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"]
        try:
            same = numbering.to_e164(typed) == self.number
        except numbering.NumberParseError:
            same = False
        if not same:
            raise ValidationError(
                "That is not this number. Type it exactly as shown above to release it."
            )
        return typed


class BulkReleaseForm(forms.Form):
    key = forms.UUIDField(widget=forms.HiddenInput)
    confirm = forms.CharField(
        label="Type how many numbers will be released",
        max_length=10,
        error_messages={"required": "Type the number of numbers to confirm."},
    )

    def __init__(self, *args, count: int, **kwargs):
        self.count = count
        super().__init__(*args, **kwargs)
        self.fields["confirm"].help_text = f"Type {count} to release all {count}."

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip().replace(",", "")
        if typed != str(self.count):
            raise ValidationError(f"Type {self.count}, the number of numbers listed, to confirm.")
        return typed
