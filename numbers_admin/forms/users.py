"""Dashboard users: who may sign in, and with which role."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.models import User

from numbers_admin import roles

ROLE_CHOICES = [
    (roles.VIEWER, "Viewer — sees numbers, the overview and activity"),
    (roles.SUPPORT, "Support — also changes routing, names, tags and notes"),
    (roles.ADMIN, "Admin — also buys, imports and releases numbers, manages accounts and users"),
]


class UserForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="What they type to sign in: letters, digits and @ . + - _ only.",
    )
    email = forms.EmailField(required=False, label="Email (optional)")
    role = forms.ChoiceField(choices=ROLE_CHOICES, widget=forms.RadioSelect)
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="Can sign in",
        help_text="Untick to lock someone out without losing their history.",
    )
    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput(render_value=False), required=False
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(render_value=False), required=False
    )

    def __init__(self, *args, user: User | None = None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if user is None:
            self.fields["password1"].required = True
            self.fields["password2"].required = True
        else:
            self.fields["password1"].help_text = "Leave both empty to keep the current password."

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        validator = User._meta.get_field("username").validators[0]
        validator(username)
        taken = User.objects.filter(username__iexact=username)
        if self.user is not None:
            taken = taken.exclude(pk=self.user.pk)
        if taken.exists():
            raise forms.ValidationError(f"“{username}” is already taken; choose another username.")
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first or second:
            if first != second:
                self.add_error("password2", "The two passwords are not the same.")
            else:
                candidate = self.user or User(username=cleaned.get("username", ""))
                try:
                    password_validation.validate_password(first, candidate)
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        return cleaned
