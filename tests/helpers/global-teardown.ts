/** Placeholder until the shared embedded-engine global teardown lands (engine-storage branch). */
export default async function globalTeardown(): Promise<void> {}
