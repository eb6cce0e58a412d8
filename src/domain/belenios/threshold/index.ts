/** Threshold key establishment ("Pedersen", Belenios 2.0 section 4.6). */
export * from './aes-ccm.js';
export * from './certificate.js';
export * from './channel.js';
export * from './lagrange.js';
export * from './pki.js';
export * from './polynomial.js';
export * from './signed-message.js';
export * from './threshold-parameters.js';
export * from './vinput.js';
export * from './voutput.js';
