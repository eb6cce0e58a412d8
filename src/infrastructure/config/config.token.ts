/** Injection token of the validated `AppConfig` (provided globally by the core module). */
export const APP_CONFIG = Symbol.for('urne:AppConfig');
