from django.shortcuts import render

from accounts.access import capability_required
from accounts.roles import Capability


@capability_required(Capability.VIEW_DATA_AREA)
def index(request):
    return render(request, "indicators/index.html")
