from django.shortcuts import render

from accounts.access import capability_required
from accounts.roles import Capability


@capability_required(Capability.VIEW_SUPERVISION)
def index(request):
    return render(request, "supervision/index.html")
