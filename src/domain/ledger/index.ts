export * from './canonical-json.js';
export * from './ledger-chain.js';
export * from './ledger-seal.js';
export * from './ledger-verification.js';
