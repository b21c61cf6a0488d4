/** random: a fresh draw per candidate. */
export const random = (rng: () => number): number => rng();
