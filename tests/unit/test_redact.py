from flowpilot.ai.redact import redact


def test_masks_common_secrets() -> None:
    text = (
        "password: hunter2 and pwd=S3cret! plus my password is Winter2026\n"
        "key sk-ant-api03-abcdefghijklmnopqrstuvwxyz and sk-proj-ABCDEFGHIJKLMNOP1234\n"
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop\n"
        "AKIAIOSFODNN7EXAMPLE ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"
        "postgres://admin:Sup3rS3cret@db.internal:5432/app\n"
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"
    )
    out = redact(text)
    for secret in (
        "hunter2",
        "S3cret!",
        "Winter2026",
        "abcdefghijklmnopqrstuvwxyz",
        "ABCDEFGHIJKLMNOP1234",
        "eyJhbGciOiJIUzI1NiJ9",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_",
        "Sup3rS3cret",
        "MIIEowIBAAKCAQEA",
    ):
        assert secret not in out, secret
    assert "db.internal" in out and "[REDACTED PRIVATE KEY]" in out


def test_leaves_ordinary_troubleshooting_text_alone() -> None:
    text = (
        "User can't reset their password via SSPR; "
        "error 0x80070005 on \\\\fs01\\share. Token expired?"
    )
    assert redact(text) == text
