/** Placeholder until the shared embedded-engine global setup lands (engine-storage branch). */
export default async function globalSetup(): Promise<void> {}
