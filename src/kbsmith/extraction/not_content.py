"""Recognise HTML pages that carry no content: bot challenges, login walls, JS-only shells.

Every detector requires the extracted main text to be short, so an article that merely
talks about captchas, logging in or JavaScript is never rejected.
"""

import itertools
import re

from lxml.html import HtmlElement  # type: ignore[import-untyped]

from kbsmith.extraction.result import ExtractionError

_WORD = re.compile(r"\w+")

CHALLENGE_MAX_WORDS = 300
LOGIN_FORM_MAX_WORDS = 120
LOGIN_PHRASE_MAX_WORDS = 60
SHELL_MAX_WORDS = 20
# share of the main text's words that belong to a sign-in form's vocabulary
LOGIN_VOCABULARY_SHARE = 0.4

_CHALLENGE_TITLE = re.compile(
    r"^(?:just a moment|attention required|please wait|one more step|checking your browser"
    r"|checking if the site connection is secure|ddos-guard|ddos protection"
    r"|making sure you'?re not a bot|are you a (?:robot|human)|human verification"
    r"|bot verification|security check|verify(?:ing)? (?:that )?you are (?:a )?human"
    r"|captcha|access denied|pardon our interruption|you have been blocked)\b",
    re.IGNORECASE,
)
_CHALLENGE_TEXT = re.compile(
    r"checking your browser before accessing|checking if the site connection is secure"
    r"|verify(?:ing)? (?:that )?you are (?:a )?human|enable javascript and cookies to continue"
    r"|complete the security check|press (?:&|and) hold|please complete the captcha"
    r"|(?:prove|confirm) (?:that )?you(?:'re| are) not a robot"
    r"|performance (?:&|and) security by cloudflare|why have i been blocked",
    re.IGNORECASE,
)
_CHALLENGE_MARKUP = (
    "//*[@id='challenge-form' or @id='challenge-running' or @id='cf-challenge-running']",
    "//*[contains(@class, 'cf-browser-verification')]",
    "//*[@id='anubis_version']",
    "//*[@id='px-captcha']",
    "//iframe[contains(@src, '_Incapsula_Resource')]",
)
# a challenge's own <script>: Cloudflare's options, Anubis, DataDome (see `challenge_script`)
_CHALLENGE_SCRIPT_TEXT = "_cf_chl_opt"
_CHALLENGE_SCRIPT_ID = "anubis_challenge"
_CHALLENGE_SCRIPT_SOURCE = "captcha-delivery.com"
_LOGIN_PHRASE = re.compile(
    r"\b(?:please|you (?:must|need to|have to)(?: be)?|to continue,?(?: please)?)"
    r" (?:log|sign)(?:ged)?[ -]?in\b"
    r"|\b(?:log|sign)[ -]?in (?:to|in order to) (?:continue|view|see|access|read)\b"
    r"|\blogin required\b|\bmembers only\b|\bfor (?:registered )?members only\b",
    re.IGNORECASE,
)
_LOGIN_TITLE = re.compile(
    r"^(?:log ?in|sign ?in|member login|account login)\b|\b(?:log ?in|sign ?in)$",
    re.IGNORECASE,
)
_LOGIN_WORDS = """
    log login logged logging sign signin signed in up out email e mail address username user
    name password forgot forgotten remember me account create new continue with google apple
    facebook microsoft github sso or register keep stay reset your don t have an a to not
    member members join now here welcome back submit enter show hide required privacy policy
    terms by of and the agree single on phone number code verification send next
"""
_LOGIN_VOCABULARY = frozenset(_LOGIN_WORDS.split())
_JAVASCRIPT_NOTICE = re.compile(
    r"(?:enable|turn on|activate|allow) (?:the )?javascript|javascript (?:is )?(?:required"
    r"|disabled|must be enabled|is not enabled|is turned off)|requires? javascript"
    r"|(?:doesn't|does not|won't|will not|cannot|can't) work (?:properly )?without javascript",
    re.IGNORECASE,
)
_APP_ROOTS = (
    "//div[@id='root' or @id='app' or @id='__next' or @id='__nuxt' or @id='svelte'"
    " or @id='react-root' or @id='ember-app' or @data-reactroot][not(normalize-space())]"
)


def challenge_script(script: HtmlElement) -> bool:
    """Whether a <script> belongs to a bot challenge. The HTML path drops scripts before
    extracting (they are never content), so it asks this of each one it drops."""
    return (
        script.get("id") == _CHALLENGE_SCRIPT_ID
        or _CHALLENGE_SCRIPT_SOURCE in (script.get("src") or "")
        or _CHALLENGE_SCRIPT_TEXT in (script.text or "")
    )


def check_page(tree: HtmlElement, main_text: str, *, had_challenge_script: bool = False) -> None:
    """Raise ExtractionError when the page is not content; return quietly otherwise.

    `had_challenge_script`: a script removed from `tree` was a `challenge_script`.
    """
    if _capped_word_count(main_text, CHALLENGE_MAX_WORDS) > CHALLENGE_MAX_WORDS:
        # past every detector's bound (a shell's text is a notice or two, not 300 words of
        # them), so a long article costs no scan of its whole text
        return
    reason = (
        _bot_challenge(tree, main_text, had_challenge_script)
        or _login_wall(tree, main_text)
        or _javascript_shell(tree, main_text)
    )
    if reason:
        raise ExtractionError(reason)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _capped_word_count(text: str, cap: int) -> int:
    """`word_count`, but stops counting past `cap` (a long article costs no full scan)."""
    return sum(1 for _ in itertools.islice(_WORD.finditer(text), cap + 1))


def _page_title(tree: HtmlElement) -> str:
    return " ".join((tree.findtext(".//title") or "").split())


def _bot_challenge(tree: HtmlElement, main_text: str, had_challenge_script: bool) -> str | None:
    if word_count(main_text) > CHALLENGE_MAX_WORDS:
        return None
    if (
        had_challenge_script
        or _CHALLENGE_TITLE.search(_page_title(tree))
        or _CHALLENGE_TEXT.search(main_text)
        or any(tree.xpath(xpath) for xpath in _CHALLENGE_MARKUP)
    ):
        return "the page is a bot challenge (captcha or browser check), not content"
    return None


def _login_wall(tree: HtmlElement, main_text: str) -> str | None:
    words = [word.lower() for word in _WORD.findall(main_text)]
    if len(words) <= LOGIN_PHRASE_MAX_WORDS and _LOGIN_PHRASE.search(main_text):
        return "the page is a login wall (sign-in required), not content"
    if len(words) > LOGIN_FORM_MAX_WORDS:
        return None
    has_form = bool(tree.xpath("//input[@type='password']")) or bool(
        _LOGIN_TITLE.search(_page_title(tree))
    )
    share = sum(word in _LOGIN_VOCABULARY for word in words) / max(len(words), 1)
    if has_form and share >= LOGIN_VOCABULARY_SHARE:
        return "the page is a login wall (sign-in form), not content"
    return None


def _javascript_shell(tree: HtmlElement, main_text: str) -> str | None:
    remaining = _JAVASCRIPT_NOTICE.sub(" ", main_text)
    if word_count(remaining) >= SHELL_MAX_WORDS:
        return None
    noscript = " ".join(" ".join(node.itertext()) for node in tree.iter("noscript"))
    if (
        _JAVASCRIPT_NOTICE.search(main_text)
        or _JAVASCRIPT_NOTICE.search(noscript)
        or tree.xpath(_APP_ROOTS)
    ):
        return "the page needs JavaScript to show its content (empty application shell)"
    return None
