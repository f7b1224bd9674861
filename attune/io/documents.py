"""Whole-file documents: e-mail messages (``.eml``) and web pages (``.html``) as plain text."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from .._text import html_to_text


def eml_to_text(data: bytes) -> tuple[str, list[str]]:
    """The subject and body of an RFC 5322 message as one text, and any warnings.

    The subject comes first, then a blank line, then the body: the HTML part converted to
    text when there is one (it is what the reader sees), else the plain-text part.
    Attachments are ignored. Raises ``ValueError`` when the message has no text body.

    >>> text, _ = eml_to_text(b"Subject: Hello\\r\\nContent-Type: text/plain\\r\\n\\r\\nHi Sam,\\r\\n")
    >>> text
    'Hello\\n\\nHi Sam,'
    """
    msg = BytesParser(policy=policy.default).parsebytes(data)
    warnings: list[str] = []
    if msg.defects:
        warnings.append("the e-mail has format defects: "
                        + ", ".join(sorted({type(d).__name__ for d in msg.defects})))
    subject = " ".join(str(msg.get("subject", "") or "").split())
    part = msg.get_body(preferencelist=("html", "plain")) if isinstance(msg, EmailMessage) else None
    if part is None:
        raise ValueError("the e-mail has no text or HTML body")
    body = _content(part, warnings)
    if part.get_content_type() == "text/html":
        body = html_to_text(body)
    body = body.replace("\r\n", "\n").strip()
    if not body and not subject:
        raise ValueError("the e-mail's subject and body are empty")
    return (f"{subject}\n\n{body}" if subject else body).strip(), warnings


def _content(part, warnings: list[str]) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True) or b""
        warnings.append(f"unknown or wrong charset {part.get_content_charset()!r}; "
                        "decoded as UTF-8 with replacement characters")
        return payload.decode("utf-8", errors="replace")


def html_file_to_text(data: bytes) -> str:
    """The visible text of an HTML page (UTF-8, or the charset its ``<meta>`` names)."""
    import re

    head = data[:2048].decode("ascii", errors="ignore")
    m = re.search(r"charset=[\"']?([\w-]+)", head, re.I)
    encoding = m.group(1) if m else "utf-8"
    try:
        markup = data.decode(encoding, errors="replace")
    except LookupError:
        markup = data.decode("utf-8", errors="replace")
    return html_to_text(markup)
