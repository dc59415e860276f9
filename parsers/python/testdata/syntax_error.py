import os

x = = 1

def broken(:
    pass

SESSION_COOKIE_SECURE = True
print("hi" $ 3)

def view(request):
    return redirect(request.GET["next"])

DEBUG = False
