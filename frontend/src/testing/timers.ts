// Fake-timer tests move time on inside act(), so the updates it causes are rendered first.
import { act } from "@testing-library/react";

export const wait = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));
