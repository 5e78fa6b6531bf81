export function print(text: string): void;
export function vectorText(): string;
