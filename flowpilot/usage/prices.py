"""What model tokens cost, in US dollars per million tokens: input, output, cache write, cache
read. Shipped defaults for common hosted models (list prices; an account's negotiated rates
are not known here); the offline provider and models on the MSP's own machines cost nothing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cache_write: float
    cache_read: float

    def cost(self, input_t: int, output_t: int, cache_write_t: int, cache_read_t: int) -> float:
        return (
            input_t * self.input
            + output_t * self.output
            + cache_write_t * self.cache_write
            + cache_read_t * self.cache_read
        ) / 1_000_000

    def saved_by_cache(self, cache_read_t: int) -> float:
        """What the cached tokens would have cost as plain input."""
        return cache_read_t * (self.input - self.cache_read) / 1_000_000


FREE = Price(0, 0, 0, 0)
# (provider, model prefix) -> price; the longest matching prefix wins.
DEFAULTS: dict[tuple[str, str], Price] = {
    ("anthropic", "claude-opus-4"): Price(15.0, 75.0, 18.75, 1.50),
    ("anthropic", "claude-sonnet-4"): Price(3.0, 15.0, 3.75, 0.30),
    ("anthropic", "claude-3-7-sonnet"): Price(3.0, 15.0, 3.75, 0.30),
    ("anthropic", "claude-3-5-sonnet"): Price(3.0, 15.0, 3.75, 0.30),
    ("anthropic", "claude-haiku-4"): Price(1.0, 5.0, 1.25, 0.10),
    ("anthropic", "claude-3-5-haiku"): Price(0.80, 4.0, 1.0, 0.08),
    ("openai", "gpt-4.1-mini"): Price(0.40, 1.60, 0.0, 0.10),
    ("openai", "gpt-4.1"): Price(2.0, 8.0, 0.0, 0.50),
    ("openai", "gpt-4o-mini"): Price(0.15, 0.60, 0.0, 0.075),
    ("openai", "gpt-4o"): Price(2.50, 10.0, 0.0, 1.25),
}


def price_for(provider: str, model: str, local: bool = False) -> Price | None:
    """The price of a model; FREE when nothing leaves (offline, local); None when unknown."""
    if provider == "offline" or local:
        return FREE
    matches = [
        (len(prefix), price)
        for (vendor, prefix), price in DEFAULTS.items()
        if vendor == provider and model.startswith(prefix)
    ]
    return max(matches, key=lambda m: m[0])[1] if matches else None
