/**
 * `npm run audit:verify`: checks the audit trail's hash chain. Connects like the server does
 * (MONGODB_URI, or the embedded engine over DATA_DIR) and exits 0 when every event is intact,
 * 1 naming the first broken sequence number, 2 when the check could not run.
 */
import { AuditEvent } from '../../models';
import { loadConfig } from '../config';
import { connectDatabase } from '../database';
import { verifyAuditChain } from '../services/audit';

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = loadConfig(env);
  const db = await connectDatabase({ mongodbUri: config.mongodbUri, dataDir: config.dataDir });
  try {
    const broken = await verifyAuditChain();
    const count = await AuditEvent.estimatedDocumentCount();
    if (broken === null) {
      process.stdout.write(`Audit trail intact: ${count} events verified.\n`);
      return 0;
    }
    process.stdout.write(
      `Audit trail BROKEN at sequence ${broken}: that event was edited, removed or inserted.\n`,
    );
    return 1;
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `Audit verification could not run: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(2);
    },
  );
}
