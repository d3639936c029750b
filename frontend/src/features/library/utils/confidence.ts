export function percent(confidence: number): string {
  return `${Math.round(confidence * 100)} %`;
}
