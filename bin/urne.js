#!/usr/bin/env node
// The `urne` CLI. Runs the compiled code: `npm run build` first (src/x.ts → dist/src/x.js).
let cli;
try {
  cli = await import('../dist/src/infrastructure/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('/dist/src/infrastructure/cli/main.js')) {
    process.stderr.write('urne: the build output is missing; run "npm run build" first\n');
    process.exit(1);
  }
  throw error;
}
process.exitCode = await cli.main(process.argv);
