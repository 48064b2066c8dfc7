"""``/docs``: a self-contained HTML page rendered from the OpenAPI document (no CDN, no script).

Every endpoint with its parameters, request body example, answers and a link to try GET examples.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.15em;margin-top:2em;border-top:1px solid #ddd;padding-top:1em}
code,pre{font:13px ui-monospace,monospace;background:#f5f5f5}pre{padding:.6em;overflow:auto}
.m{display:inline-block;min-width:3.5em;font-weight:bold;color:#fff;background:#2a6;
padding:0 .4em;border-radius:3px;text-align:center}.m.post{background:#26a}.m.put{background:#a62}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.2em .5em;
text-align:left;vertical-align:top}th{background:#fafafa}nav a{margin-right:1em}
"""


def render_docs(openapi: dict[str, Any]) -> str:
    info = openapi["info"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(info['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(info['title'])} <small>{escape(info['version'])}</small></h1>",
        f"<p>{_text(info.get('description', ''))}</p>",
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a>.</p><nav>",
    ]
    operations = [
        (path, method, op)
        for path, methods in openapi["paths"].items()
        for method, op in methods.items()
    ]
    for path, method, _op in operations:
        parts.append(f"<a href='#{_anchor(method, path)}'>{method.upper()} {escape(path)}</a>")
    parts.append("</nav>")
    for path, method, op in operations:
        parts.append(_operation(path, method, op))
    parts.append("</body></html>")
    return "".join(parts)


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    out = [
        f"<h2 id='{_anchor(method, path)}'><span class='m {method}'>{method.upper()}</span> ",
        f"<code>{escape(path)}</code> — {escape(op.get('summary', ''))}</h2>",
    ]
    if op.get("description"):
        out.append(f"<p>{_text(op['description'])}</p>")
    if op.get("parameters"):
        out.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>meaning</th></tr>")
        for p in op["parameters"]:
            required = " <b>(required)</b>" if p.get("required") else ""
            out.append(
                f"<tr><td><code>{escape(p['name'])}</code>{required}</td><td>{p['in']}</td>"
                f"<td>{escape(_type(p.get('schema', {})))}</td>"
                f"<td>{_text(p.get('description', ''))}</td></tr>"
            )
        out.append("</table>")
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        ref = body.get("schema", {}).get("$ref", "")
        out.append(f"<p>JSON body: schema <code>{escape(ref.rsplit('/', 1)[-1])}</code>")
        if "example" in body:
            example = json.dumps(body["example"], ensure_ascii=False, indent=2)
            out.append(f", for example:</p><pre>{escape(example)}</pre>")
        else:
            out.append("</p>")
    if op.get("x-example") and method == "get":
        url = op["x-example"]
        out.append(f"<p>Try: <a href='{escape(url)}'><code>{escape(url)}</code></a></p>")
    statuses = ", ".join(
        f"{code} {escape(r.get('description', ''))}" for code, r in op["responses"].items()
    )
    out.append(f"<p>Answers: {statuses}.</p>")
    return "".join(out)


def _type(schema: dict[str, Any]) -> str:
    if "type" in schema:
        kind = str(schema["type"])
        if "enum" in schema:
            kind += " (" + " | ".join(str(v) for v in schema["enum"]) + ")"
        bounds = [f"{k} {schema[k]}" for k in ("minimum", "maximum") if k in schema]
        return kind + (", " + ", ".join(bounds) if bounds else "")
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(_type(s) for s in schema[key])
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    return "any"


def _text(value: str) -> str:
    """Escaped prose, with `backticks` shown as code."""
    pieces = escape(value).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))


def _anchor(method: str, path: str) -> str:
    return method + path.replace("/", "-").replace("{", "").replace("}", "")
