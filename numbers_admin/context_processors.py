from django.urls import reverse

from numbers_admin.roles import role_of

# (label, url name, permission needed). Only entries the user may use are shown.
NAVIGATION = [
    ("Overview", "overview", "numbers_admin.view_phonenumber"),
    ("Numbers", "numbers:list", "numbers_admin.view_phonenumber"),
    ("Buy", "buy:start", "numbers_admin.buy_phonenumber"),
    ("Import", "imports:start", "numbers_admin.import_phonenumber"),
    ("Activity", "activity", "numbers_admin.view_auditevent"),
    ("Accounts", "accounts:list", "numbers_admin.change_account"),
    ("Users", "users:list", "auth.change_user"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = request.path
    entries = []
    for label, url_name, perm in NAVIGATION:
        if not user.has_perm(perm):
            continue
        url = reverse(url_name)
        is_current = current == url if url == "/" else current.startswith(url)
        entries.append({"label": label, "url": url, "current": is_current})
    return {"nav_entries": entries, "user_role": role_of(user)}
