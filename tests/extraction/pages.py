"""HTML pages built in code for the extraction tests."""

ARTICLE_SENTENCES = (
    "Our help center explains how each feature of the product works in practice.",
    "Teams use the dashboard every day to follow their projects and their deadlines.",
    "Reports can be exported as spreadsheets and shared with the rest of the company.",
    "Administrators decide which members may edit, comment on or only read a project.",
    "Notifications arrive by email or in the app, depending on personal preferences.",
)


def article_body(paragraphs: int = 6) -> str:
    return "\n".join(
        f"<p>{' '.join(ARTICLE_SENTENCES[(i + j) % 5] for j in range(4))}</p>"
        for i in range(paragraphs)
    )


def html_page(title: str, main: str, head: str = "", header: str = "") -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"{head}</head><body><header><nav><a href='/'>Home</a> <a href='/docs'>Docs</a></nav>"
        f"{header}</header><main><article>{main}</article></main>"
        "<footer><p>© 2026 Example Inc. All rights reserved.</p></footer></body></html>"
    )


CLOUDFLARE_CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper" role="main">
<div class="main-content"><h1 class="zone-name-title h1">help.example.com</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to
continue</span></div></noscript><div id="challenge-body-text" class="core-msg spacer">
help.example.com needs to review the security of your connection before proceeding.</div>
</div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: "help.example.com"};
}());</script><div class="footer" role="contentinfo"><div class="footer-inner">
<div class="text-center">Ray ID: <code>8a1b2c3d4e5f6789</code></div>
<div class="text-center">Performance &amp; security by Cloudflare</div></div></div></body></html>
"""

CAPTCHA_PAGE = html_page(
    "Are you a robot?",
    "<h1>Please verify you are a human</h1><p>Please complete the captcha to continue.</p>"
    "<div class='g-recaptcha' data-sitekey='abc'></div>",
)

LOGIN_FORM_PAGE = html_page(
    "Sign in · Acme Help Center",
    "<h1>Sign in to your account</h1><form action='/login' method='post'>"
    "<label>Email address <input type='email' name='email'></label>"
    "<label>Password <input type='password' name='password'></label>"
    "<label><input type='checkbox' name='remember'> Remember me</label>"
    "<button type='submit'>Sign in</button></form>"
    "<p><a href='/forgot'>Forgot your password?</a></p>"
    "<p>Don't have an account? <a href='/signup'>Create one now</a></p>"
    "<p>Or continue with Google</p>",
)

LOGIN_REQUIRED_PAGE = html_page(
    "Team handbook",
    "<h1>Team handbook</h1><p>You must be logged in to view this page.</p>"
    "<p><a href='/login'>Log in</a></p>",
)

JAVASCRIPT_SHELL = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Acme App</title><link rel="stylesheet" href="/static/css/main.css"></head><body>
<noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>
<script src="/static/js/main.4f1a.js"></script></body></html>"""

ARTICLE_ABOUT_LOGIN_AND_JAVASCRIPT = html_page(
    "How to log in when JavaScript is disabled",
    "<h1>How to log in when JavaScript is disabled</h1>"
    "<p>Some browsers show the message 'please enable JavaScript' before you can sign in. "
    "This article explains why you may need to log in to continue and what to do.</p>"
    + article_body(5)
    + "<p>If the login page still fails, clear the cache, enable JavaScript and try to sign "
    "in again. You must be logged in to view private projects, but public pages work.</p>",
    header="<form action='/login'><input type='email' name='email'>"
    "<input type='password' name='password'><button>Log in</button></form>",
)

ARTICLE_ABOUT_CHALLENGE_PAGES = html_page(
    "Just a moment... what the Cloudflare check means",
    "<h1>Just a moment... what the Cloudflare check means</h1>"
    "<p>When a site shows 'Checking your browser' or asks you to verify you are human, "
    "it runs a bot challenge before letting you in.</p>" + article_body(6),
)
