"""Configuration from environment variables and `.env` (pydantic-settings)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ProviderName = Literal["anthropic", "openai", "offline"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path(".flowpilot"), alias="FLOWPILOT_DATA_DIR")
    host: str = Field(default="127.0.0.1", alias="FLOWPILOT_HOST")
    port: int = Field(default=8000, alias="FLOWPILOT_PORT")
    secret_key: str | None = Field(default=None, alias="FLOWPILOT_SECRET_KEY")
    log_format: Literal["console", "json"] = Field(default="console", alias="FLOWPILOT_LOG_FORMAT")
    log_level: str = Field(default="INFO", alias="FLOWPILOT_LOG_LEVEL")
    cookie_secure: bool = Field(default=False, alias="FLOWPILOT_COOKIE_SECURE")
    token_ttl_hours: int = Field(default=12, alias="FLOWPILOT_TOKEN_TTL_HOURS")
    login_max_failures: int = Field(default=5, alias="FLOWPILOT_LOGIN_MAX_FAILURES")
    login_window_seconds: int = Field(default=900, alias="FLOWPILOT_LOGIN_WINDOW_SECONDS")
    max_body_bytes: int = Field(default=1_000_000, alias="FLOWPILOT_MAX_BODY_BYTES")
    worker_in_process: bool = Field(default=True, alias="FLOWPILOT_IN_PROCESS_WORKER")
    # After start-up, build the starter library's index and freeze the heap out of the
    # garbage collector's full collections (shorter pauses in turns). Off in tests, where
    # many apps start in one process.
    settle_heap: bool = Field(default=True, alias="FLOWPILOT_SETTLE_HEAP")
    # `serve` runs its job worker as a child process (never competing with requests for the
    # event loop); off: in the server's own process, as tests and `create_app` do.
    worker_process: bool = Field(default=True, alias="FLOWPILOT_WORKER_PROCESS")
    worker_concurrency: int = Field(default=2, ge=1, alias="FLOWPILOT_WORKER_CONCURRENCY")
    # GET /metrics needs this as a bearer token; without one it answers loopback callers only.
    metrics_token: str | None = Field(default=None, alias="FLOWPILOT_METRICS_TOKEN")
    # OpenTelemetry traces over OTLP/HTTP, only when an endpoint is given (the standard names).
    otel_endpoint: str | None = Field(default=None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    otel_service_name: str = Field(default="flowpilot", alias="OTEL_SERVICE_NAME")
    # How long `serve` lets open requests (answer streams) finish when told to stop.
    shutdown_grace_seconds: int = Field(default=2, ge=0, alias="FLOWPILOT_SHUTDOWN_GRACE_SECONDS")
    storage_url: str | None = Field(default=None, alias="FLOWPILOT_STORAGE_URL")
    s3_endpoint_url: str | None = Field(default=None, alias="FLOWPILOT_S3_ENDPOINT_URL")
    s3_access_key_id: str | None = Field(default=None, alias="FLOWPILOT_S3_ACCESS_KEY_ID")
    s3_secret_access_key: str | None = Field(default=None, alias="FLOWPILOT_S3_SECRET_ACCESS_KEY")
    s3_region: str | None = Field(default=None, alias="FLOWPILOT_S3_REGION")
    upload_max_bytes: int = Field(default=20_000_000, alias="FLOWPILOT_UPLOAD_MAX_BYTES")
    # Per step of reading an upload (OCR, PDF/e-mail/log text); past it the description fails.
    upload_analysis_timeout_seconds: float = Field(
        default=60.0, gt=0, alias="FLOWPILOT_UPLOAD_ANALYSIS_TIMEOUT_SECONDS"
    )
    worker_heartbeat_seconds: float = Field(
        default=10.0, alias="FLOWPILOT_WORKER_HEARTBEAT_SECONDS"
    )
    stalled_after_seconds: float = Field(default=30.0, alias="FLOWPILOT_STALLED_AFTER_SECONDS")
    db_pool_size: int = Field(default=10, alias="FLOWPILOT_DB_POOL_SIZE")
    db_max_overflow: int = Field(default=20, alias="FLOWPILOT_DB_MAX_OVERFLOW")

    provider: ProviderName | None = Field(default=None, alias="FLOWPILOT_PROVIDER")
    anthropic_api_key: str | None = Field(default=None, alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str | None = Field(default=None, alias="ANTHROPIC_BASE_URL")
    anthropic_model: str = Field(default="claude-sonnet-4-5", alias="FLOWPILOT_ANTHROPIC_MODEL")
    openai_api_key: str | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    openai_model: str = Field(default="gpt-4o-mini", alias="FLOWPILOT_OPENAI_MODEL")
    ai_timeout_seconds: float = Field(default=60.0, alias="FLOWPILOT_AI_TIMEOUT_SECONDS")
    ai_max_retries: int = Field(default=3, alias="FLOWPILOT_AI_MAX_RETRIES")
    ai_max_output_tokens: int = Field(default=1500, alias="FLOWPILOT_AI_MAX_OUTPUT_TOKENS")
    redact_secrets: bool = Field(
        default=True, validation_alias=AliasChoices("FLOWPILOT_REDACT_SECRETS", "redact_secrets")
    )
    offline_stream_delay_ms: int = Field(default=12, alias="FLOWPILOT_OFFLINE_STREAM_DELAY_MS")
    # Private / loopback networks or hosts that PSA, Hudu, IT Glue and SMTP addresses may point at
    # (CIDRs or host names, comma-separated): refused by default.
    outbound_allow: str = Field(default="", alias="FLOWPILOT_OUTBOUND_ALLOW")
    # Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs, comma-separated);
    # empty: the connecting address is the client's.
    trusted_proxies: str = Field(default="", alias="FLOWPILOT_TRUSTED_PROXIES")
    audit_retention_days: int = Field(default=365, ge=1, alias="FLOWPILOT_AUDIT_RETENTION_DAYS")
    history_token_budget: int = Field(default=60_000, alias="FLOWPILOT_HISTORY_TOKEN_BUDGET")
    # A chat turn's branch summary is written this long after the turn (one per branch per
    # interval while the engineer chats), not after every turn; 0 writes it right away.
    summary_settle_seconds: float = Field(
        default=20.0, ge=0, alias="FLOWPILOT_SUMMARY_SETTLE_SECONDS"
    )

    # Escalation notifications (both optional; in-app notifications are always on).
    smtp_host: str | None = Field(default=None, alias="FLOWPILOT_SMTP_HOST")
    smtp_port: int = Field(default=587, alias="FLOWPILOT_SMTP_PORT")
    smtp_username: str | None = Field(default=None, alias="FLOWPILOT_SMTP_USERNAME")
    smtp_password: str | None = Field(default=None, alias="FLOWPILOT_SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=True, alias="FLOWPILOT_SMTP_STARTTLS")
    smtp_from: str = Field(default="flowpilot@localhost", alias="FLOWPILOT_SMTP_FROM")
    escalation_webhook_url: str | None = Field(
        default=None, alias="FLOWPILOT_ESCALATION_WEBHOOK_URL"
    )
    public_url: str = Field(default="http://127.0.0.1:8000", alias="FLOWPILOT_PUBLIC_URL")

    @property
    def resolved_provider(self) -> ProviderName:
        """Explicit choice wins; otherwise the first vendor with a key; otherwise offline."""
        if self.provider:
            return self.provider
        if self.anthropic_api_key:
            return "anthropic"
        if self.openai_api_key or self.openai_base_url:
            return "openai"
        return "offline"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the data dir (read once:
        requests and jobs ask for it to open stored credentials)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            key = path.read_text().strip()
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            key = secrets.token_urlsafe(48)
            path.write_text(key)
            path.chmod(0o600)
        self.secret_key = key
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
