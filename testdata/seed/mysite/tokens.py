import secrets


def generate_scoped_token(client_dn):
    return secrets.token_urlsafe(32)
