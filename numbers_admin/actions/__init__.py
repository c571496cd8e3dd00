"""Actions: one function per user intent (sync, purchase, import, release, configure) doing the
upstream call, the local mirror update and the audit record together. One module per area;
background tasks (django.tasks) live beside the action they run."""
