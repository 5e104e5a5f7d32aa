/** Test helpers for governance. */
package io.skein.governance.testing;
