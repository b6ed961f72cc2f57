"""Readable HTML for a policy in a notebook."""

from __future__ import annotations

from html import escape

from ._spec import DriftBrake, Policy, RateLimit

__all__ = ["policy_html"]


def policy_html(policy: Policy) -> str:
    """An HTML summary: identity, owner, mode, rules in order, guardrails, kill switch."""
    rows = []
    for i, rule in enumerate(policy.rules, start=1):
        when = "otherwise" if rule.when is None else rule.when.canonical()
        esc = f" → escalate to {escape(rule.escalate)}" if rule.escalate else ""
        rows.append(
            f"<tr><td>{i}</td><td><code>{escape(rule.id)}</code></td>"
            f"<td><code>{escape(when)}</code></td><td><b>{escape(rule.then)}</b>{esc}</td>"
            f"<td>{escape(rule.because.source)}</td></tr>"
        )
    guards = []
    for g in policy.guardrails:
        if isinstance(g, RateLimit):
            guards.append(f"<li><code>{escape(g.id)}</code>: at most {g.max} "
                          f"<b>{escape(g.action)}</b> per {g.per.text}, then "
                          f"<b>{escape(g.overflow)}</b></li>")
        elif isinstance(g, DriftBrake):
            guards.append(f"<li><code>{escape(g.id)}</code>: {g.metric.upper()} of "
                          f"{escape(', '.join(g.watch))} per {g.window.text}; at {g.act:g} or "
                          f"over, automated actions become <b>{escape(g.then)}</b></li>")
    ks = policy.kill_switch
    if ks is not None:
        state = "ENGAGED" if ks.engaged else "off"
        guards.append(f"<li>kill switch: <b>{state}</b> (then <b>{escape(ks.then)}</b>)</li>")
    desc = f"<p>{escape(policy.description)}</p>" if policy.description else ""
    return (
        f"<div><h4 style='margin:0'>{escape(policy.name)} @ {escape(policy.version)} "
        f"<small><code>{policy.content_hash[:12]}</code></small></h4>"
        f"<p style='margin:2px 0'>Owner: {escape(policy.owner)} · mode: "
        f"<b>{policy.mode}</b></p>{desc}"
        "<table><thead><tr><th>#</th><th>rule</th><th>when</th><th>then</th>"
        f"<th>because</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + (f"<ul>{''.join(guards)}</ul>" if guards else "")
        + "</div>"
    )
