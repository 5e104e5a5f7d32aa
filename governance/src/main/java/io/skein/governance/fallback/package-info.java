/** Per-method fallbacks: {@link io.skein.governance.fallback.Fallback} supplies an answer on error or on a rejected response. */
package io.skein.governance.fallback;
