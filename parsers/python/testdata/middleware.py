from django.utils.deprecation import MiddlewareMixin


class MtlsClientInfoMiddleware(MiddlewareMixin):
    header = "HTTP_X_SSL_CLIENT_DN"

    def process_request(self, request):
        request.client_dn = request.META.get(self.header)
        if request.client_dn:
            self.seen = True
        return None

    @staticmethod
    @decorators.cache(maxsize=10)
    def helper(value=default_value(), *, flag=False):
        def inner():
            return value.strip()
        return inner()


@dataclass
class Outer:
    class Meta:
        ordering = ["-created"]
