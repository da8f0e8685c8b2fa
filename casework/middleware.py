from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreMiddleware:
    """Case pages must never sit in a browser or proxy cache on a shared machine."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response
