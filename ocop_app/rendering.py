"""One place that decides between a full page and an htmx fragment.

A fragment is returned only for a real htmx request: ``HX-Request`` set, not a
boosted navigation and not a history restore. Every response varies on
``HX-Request`` (set in :func:`ocop_app.create_app`), so a cached fragment is
never served as a page: reload and Back always give the full page.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment."""
    h = request.headers
    return (
        h.get("HX-Request") == "true"
        and h.get("HX-Boosted") != "true"
        and h.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, fragment: str | None = None, /, *, status: int = 200, headers=None, **context):
    """Render ``fragment`` for htmx requests, else ``page``; both get ``context``.

    :param page: template of the whole page (which includes the fragment).
    :param fragment: the partial template (``_name.html``) htmx swaps in.
    """
    template = fragment if (fragment and is_htmx()) else page
    response = make_response(render_template(template, **context), status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def redirect_to(url: str, message=None, category: str = "success"):
    """Navigate after a change: ``HX-Redirect`` for htmx, 303 otherwise."""
    if message:
        flash(message, category)
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)
