// What "New playbook" starts from: the Markdown layout the server reads (docs/playbooks.md).
export const PLAYBOOK_TEMPLATE = `# Short title of the problem
Domain: Line-of-business apps
One or two sentences: what this playbook covers and for whom.

## Symptoms
- what the user or the engineer sees, in their words
- another way people describe it
## Aliases
- an error code or message text, e.g. 0x80070005
## Products
- the product name
## Sources
- [Vendor article title](https://example.com/kb/1234)

## Causes
### The first likely cause {#first-cause}
Fix: exactly what to change, with commands or menu paths.
Confirm if: a phrase the engineer would report when this is the cause
Disprove: what result rules this cause out.

## Checks
### The most telling check first {#first-check}
Check: the exact command, menu or log path
Look for: the result that matters
Tests: first-cause
Done if: a phrase that means the engineer already did this
Results:
- what you might see => what it means [first-cause]
### A second check {#second-check}
Check: …
### A third check {#third-check}
Check: …
`;
