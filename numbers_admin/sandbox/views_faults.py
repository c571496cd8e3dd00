"""A small page for the demo: arm and clear sandbox faults, switch the import API off and on."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from numbers_admin.roles import permission_required
from numbers_admin.sandbox import faults
from numbers_admin.sandbox.models import SPACES, SandboxFault, SandboxSpace


class FaultForm(forms.Form):
    space = forms.ChoiceField(
        label="Sandbox account",
        choices=[("signalwire", "SignalWire Space (REST and Compatibility)"), ("twilio", "Twilio")],
    )
    kind = forms.ChoiceField(label="What goes wrong", choices=SandboxFault.Kind.choices)
    count = forms.IntegerField(
        label="For how many requests",
        min_value=1,
        max_value=10000,
        required=False,
        help_text="Leave empty to keep it on until you clear it.",
    )
    method = forms.ChoiceField(
        label="Only for requests of type",
        required=False,
        choices=[
            ("", "Any"),
            ("GET", "GET (read)"),
            ("POST", "POST"),
            ("PUT", "PUT"),
            ("DELETE", "DELETE (release)"),
        ],
    )
    path_contains = forms.CharField(
        label="Only for addresses containing",
        required=False,
        max_length=200,
        help_text="For example phone_numbers/search or IncomingPhoneNumbers.",
    )
    ms = forms.IntegerField(
        label="Delay in milliseconds (latency)", min_value=0, max_value=60000, required=False
    )
    ms_max = forms.IntegerField(
        label="Up to this many milliseconds (random latency)",
        min_value=0,
        max_value=60000,
        required=False,
        help_text="Fill both delay fields for a random delay between them.",
    )
    retry_after = forms.IntegerField(
        label="Retry-After seconds (429)",
        min_value=0,
        max_value=3600,
        required=False,
        help_text="Leave empty to send no Retry-After header.",
    )
    rps = forms.FloatField(
        label="Requests per second allowed (rate cap)", min_value=0.1, required=False
    )
    status = forms.TypedChoiceField(
        label="Error status",
        coerce=int,
        required=False,
        empty_value=500,
        choices=[
            (500, "500 Internal Server Error"),
            (502, "502 Bad Gateway"),
            (503, "503 Service Unavailable"),
        ],
    )
    seconds = forms.FloatField(
        label="Seconds to wait (slow answer)", min_value=0, max_value=600, required=False
    )
    then = forms.ChoiceField(
        label="After committing, the answer is",
        required=False,
        choices=[
            ("error", "An error (500)"),
            ("drop", "Never sent (connection dropped)"),
            ("slow", "Too late (slow)"),
        ],
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == SandboxFault.Kind.RATE_CAP and not data.get("rps"):
            self.add_error("rps", "A rate cap needs the number of requests per second allowed.")
        if kind == SandboxFault.Kind.LATENCY and data.get("ms") is None:
            self.add_error("ms", "Latency needs a delay in milliseconds.")
        return data

    def params(self) -> dict:
        d = self.cleaned_data
        kind = d["kind"]
        if kind == "latency":
            if d.get("ms_max") is not None:
                return {"ms_min": d["ms"], "ms_max": d["ms_max"]}
            return {"ms": d["ms"]}
        if kind in ("rate_limit", "rate_cap"):
            p = {"retry_after": d["retry_after"]} if d.get("retry_after") is not None else {}
            return p | ({"rps": d["rps"]} if kind == "rate_cap" else {})
        if kind == "server_error":
            return {"status": d.get("status") or 500}
        if kind == "slow":
            return {"seconds": d["seconds"] if d.get("seconds") is not None else 30}
        if kind == "commit_then_fail":
            p = {"then": d.get("then") or "error"}
            return p | ({"seconds": d["seconds"]} if d.get("seconds") is not None else {})
        return {}


@permission_required("numbers_admin.change_account")
def faults_page(request):
    form = FaultForm()
    if request.method == "POST":
        action = request.POST.get("action")
        space = request.POST.get("space")
        if action == "clear" and space in SPACES:
            faults.clear(space)
            messages.success(request, f"All faults for the {space} sandbox are cleared.")
            return redirect("sandbox:faults")
        if action == "imports" and space in SPACES:
            enabled = request.POST.get("enabled") == "on"
            faults.set_import_enabled(space, enabled)
            state = "on" if enabled else "off"
            messages.success(request, f"Importing numbers is now {state} for the {space} sandbox.")
            return redirect("sandbox:faults")
        if action == "shape" and space in SPACES:
            faults.set_search_shape(space, request.POST.get("shape", "observed"))
            messages.success(request, "The search result shape is changed.")
            return redirect("sandbox:faults")
        form = FaultForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            faults.inject(
                d["space"],
                d["kind"],
                count=d.get("count"),
                method=d.get("method") or "",
                path_contains=d.get("path_contains") or "",
                **form.params(),
            )
            messages.success(request, "The fault is armed.")
            return redirect("sandbox:faults")
    return render(
        request,
        "sandbox/faults.html",
        {
            "title": "Sandbox faults",
            "form": form,
            "armed": SandboxFault.objects.all(),
            "spaces": [SandboxSpace.get(s) for s in SPACES],
            "shapes": SandboxSpace.SearchShape.choices,
        },
    )
