import logging

from django.http import JsonResponse

from mysite.tokens import generate_scoped_token

logger = logging.getLogger(__name__)


def my_view(request):
    # Use request.META populated by middleware, not raw headers
    client_dn = getattr(request, 'client_dn', None)
    if not client_dn:
        return JsonResponse({'error': 'client certificate not verified'}, status=403)
    # Example: issue a scoped token without echoing secrets in logs
    token = generate_scoped_token(client_dn)
    logger.info('Token issued for client_dn=%s', client_dn, extra={
        'headers': {k: v for k, v in request.headers.items() if k.lower() != 'authorization'}
    })
    return JsonResponse({'token': token})
