"""Snapshots of attune's notebook display, to look at after changing attune/display.py.

    python scripts/visual.py              # `make visual`
    python scripts/visual.py --html-only  # skip the screenshots (no Chromium needed)

Scores a curt draft reply to an angry customer, its rewrite and one marketing email with the
shipped model, writes each view as a full HTML page to docs/visual/ (draft, rewrite, the
comparison of the two, the marketing email) and screenshots every page to a PNG beside it with
headless Chromium. With matplotlib installed it also saves the profile plot of the two drafts.
"""

from __future__ import annotations

import argparse
import html
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "visual"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WIDTH = 1200

CUSTOMER = (
    "This is the THIRD time I'm writing. You charged me twice for order #48213 (£86.40 each "
    "time) and your chat bot keeps sending me the returns policy. I need that money back "
    "before my rent goes out on Friday. Absolutely fed up."
)

DRAFT = """Dear Customer,

Thank you for contacting us. Please note that refunds take 5-7 working days to process once \
approved. Our refund policy can be found in the Help Centre.

Kind regards,
Customer Services"""

REWRITE = """Hi Priya,

You're right, and I'm sorry: you were charged twice for order #48213 and it took three \
messages to get a real answer. That's on us, not you.

I've refunded the duplicate £86.40 this morning as a priority refund, so it will reach your \
account by Thursday, before your rent goes out. I'll check at 10am on Thursday that it has \
landed and email you either way.

If anything else looks wrong on your statement, reply here and it comes straight to me.

Daniel, Billing team"""

MARKETING = """Hey friend!

We've been thinking about you! It's been a while since your last visit and we miss you. \
How can we support your wellness journey?

Upgrade to Premium today and unlock everything. This offer ends at MIDNIGHT, so don't miss \
out!

Love,
The FitLife Family"""

# page name -> (title, window height)
PAGES = {
    "reply_draft": ("Draft reply to an angry customer", 1400),
    "reply_rewrite": ("Rewrite of the draft", 1400),
    "reply_compare": ("Draft and rewrite compared", 1800),
    "marketing": ("Marketing email", 1400),
}


def page(title: str, fragment: str) -> str:
    """Wrap an HTML fragment in a minimal full page."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title>"
        "<style>body{margin:24px;background:#f6f8fa}</style></head>\n"
        f"<body>\n{fragment}\n</body></html>\n"
    )


def screenshot(html_path: Path, png_path: Path, height: int) -> None:
    """Render one page to a PNG with headless Chromium, in a fresh throw-away profile."""
    with tempfile.TemporaryDirectory(prefix="attune-chromium-") as profile:
        command = [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars",
            f"--window-size={WIDTH},{height}", f"--screenshot={png_path}",
            html_path.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    if done.returncode != 0 or not png_path.exists():
        raise SystemExit(f"chromium failed on {html_path.name} (exit {done.returncode}):\n"
                         f"{done.stderr[-2000:]}")


def save_profile_plot(draft, rewrite, path: Path) -> bool:
    """The two drafts' profiles as a PNG; False when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from attune.plot import plot_profile

    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=110)
    plot_profile([draft, rewrite], ax=ax, labels=["draft", "rewrite"])
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html-only", action="store_true", help="write the HTML, no PNGs")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT})")
    args = parser.parse_args(argv)

    if not args.html_only and not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: the screenshots need headless Chromium.\n"
              "Install it with:  sudo apt-get install chromium\n"
              "(or set CHROMIUM=/path/to/chromium, or run with --html-only)", file=sys.stderr)
        return 2

    import attune

    scorer = attune.load()
    comparison = attune.compare(DRAFT, REWRITE, context=CUSTOMER, scorer=scorer)
    marketing = scorer.score(MARKETING)
    fragments = {
        "reply_draft": comparison.a._repr_html_(),
        "reply_rewrite": comparison.b._repr_html_(),
        "reply_compare": comparison._repr_html_(),
        "marketing": marketing._repr_html_(),
    }

    args.out.mkdir(parents=True, exist_ok=True)
    for name, fragment in fragments.items():
        title, height = PAGES[name]
        html_path = args.out / f"{name}.html"
        html_path.write_text(page(f"attune: {title}", fragment), encoding="utf-8")
        print(f"wrote {html_path}")
        if not args.html_only:
            png_path = html_path.with_suffix(".png")
            screenshot(html_path, png_path, height)
            print(f"wrote {png_path}")

    if save_profile_plot(comparison.a, comparison.b, args.out / "reply_profile.png"):
        print(f"wrote {args.out / 'reply_profile.png'}")
    print(comparison)
    return 0


if __name__ == "__main__":
    sys.exit(main())
