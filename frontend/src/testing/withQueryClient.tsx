// Tests render with a cache of their own: no answer from one test is seen by another.
import type { ReactElement, ReactNode } from "react";
import { QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { newQueryClient } from "../lib/queryClient";

export function renderWithQueryClient(ui: ReactElement) {
  const queryClient = newQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
  return { queryClient, ...render(ui, { wrapper }) };
}
