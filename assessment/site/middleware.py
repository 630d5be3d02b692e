import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import translation


class DefaultLanguageMiddleware:
    """Chinese unless the user picked another language with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; on shared office PCs
    with English-language browsers that would greet officers in English, so only the explicit
    choice (the language cookie) is honoured.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            # The thread goes back to the default so that work outside requests is not affected.
            translation.deactivate()
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class ContentSecurityPolicyMiddleware:
    """Every page may load scripts, styles, fonts and images from this server only, and nothing inline:
    an injected ``<script>`` or ``onclick=`` does not run even if some text escapes escaping."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class SessionLifetimeMiddleware:
    """Ends a session that has lasted longer than the absolute limit, however active it has been.

    The idle limit is the session cookie's age, renewed on every request (SESSION_SAVE_EVERY_REQUEST);
    this is the second limit a level-3 system needs, counted from the login."""

    KEY = "_session_started_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(self.KEY, now)
            if now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
                from accounts.audit import record_event

                record_event("session.expired", request=request, hours=settings.SESSION_ABSOLUTE_HOURS)
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
