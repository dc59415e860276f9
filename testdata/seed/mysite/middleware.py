from django.utils.deprecation import MiddlewareMixin


class MtlsClientInfoMiddleware(MiddlewareMixin):
    """
    Map verified proxy headers to a normalized attribute.
    Ensure these headers are only set by the trusted proxy (e.g., Nginx).
    """

    def process_request(self, request):
        verify = request.META.get('HTTP_X_CLIENT_VERIFY', '').upper()
        if verify == 'SUCCESS':
            request.client_dn = request.META.get('HTTP_X_CLIENT_DN', '')
            request.client_fingerprint = request.META.get('HTTP_X_CLIENT_FINGERPRINT', '')
            # Do NOT assign raw client certificate contents
        else:
            request.client_dn = None
            request.client_fingerprint = None
