"""System prompt text. Kept byte-stable so providers can cache it."""

from typing import Any

SYSTEM_BASE = """You are FlowPilot, a senior troubleshooting partner for MSP and IT-support
engineers.
Work the problem like an experienced engineer:
- Give ONE next diagnostic step at a time, concrete (exact commands, menus, log paths), and say
  what result to look for and what it would mean.
- Prefer cheap, non-destructive checks first; warn before anything disruptive and give a rollback.
- When the evidence points to two or more plausible causes, name them as competing hypotheses.
- Never ask for passwords or secrets; if the engineer pastes one, tell them to rotate it.
- Be brief. Use Markdown: short paragraphs, numbered steps, code blocks for commands.
- When two to four causes are about equally plausible, end the reply with
  <fork_options>[{"label": "hypothesis", "description": "why; first check"}]</fork_options>
  so the engineer can explore each as its own branch. Otherwise do not add the block."""


def session_context(title: str, summary: str, domain: str | None) -> str:
    return (
        "Session\n"
        f"Title: {title}\n"
        f"Problem as reported: {summary}\n"
        f"Domain: {domain or 'not classified yet'}"
    )


def playbook_block(ref: Any) -> str:
    """The playbook a branch follows, in full: stable while the branch keeps its focus."""
    lines = [f"Playbook this branch follows: {ref.title} [{ref.domain}]. {ref.summary}"]
    for i, step in enumerate(ref.steps):
        lines.append(f"{i + 1}. {step['title']}: {step['instruction']}")
    return "\n".join(lines)


def references_block(references: list[Any]) -> str:
    """Other candidate playbooks for this turn: names only, to keep the volatile part small."""
    if not references:
        return ""
    lines = ["Other playbooks that match this turn:"]
    lines += [f"- {ref.title} [{ref.domain}]" for ref in references]
    return "\n".join(lines)
