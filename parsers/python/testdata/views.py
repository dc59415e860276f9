import logging
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import redirect

logger = logging.getLogger(__name__)


def issue_token(request, client_dn):
    token = make_token(request.user)
    logger.info('Token issued for client_dn=%s', client_dn, extra={'headers': {k: v for k, v in request.headers.items() if k.lower() != 'authorization'}})
    url = f"https://x/cb?token={token}&a={b!r}"
    legacy = "%s?t=%s" % (u, tok)
    fmt = "{}?t={t}".format(u, t=tok)
    plus = "a" + tok + "b"
    implicit = ("https://example.com/cb"
                "?token=" f"{token}")
    response = redirect(url)
    response.set_cookie("sessionid", token, secure=False, httponly=True, **extra_opts)
    return response


async def callback(request, *args, scope: str = "read", **kwargs):
    return HttpResponseRedirect(urlencode({"token": await fetch(request)}))
