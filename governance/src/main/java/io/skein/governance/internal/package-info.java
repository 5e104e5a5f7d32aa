/** Implementation details of governance shared by its packages; not API. */
package io.skein.governance.internal;
