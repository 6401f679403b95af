/** The singular or plural phrase for `n` (German and English need no more forms). */
export const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);
