package io.skein.runtime.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class ObservabilitySettingsTest {

    private static ObservabilitySettings settings(String observability) {
        return ObservabilitySettings.from(ConfigFactory.parseString("skein.observability { " + observability + " }")
                .withFallback(ConfigFactory.load()).resolve());
    }

    @Test
    void spansAreBuiltOnlyWhileReportedByDefaultAndAlwaysWhenAsked() {
        assertFalse(settings("").spansAlways());
        assertFalse(settings("tracing.spans = auto").spansAlways());
        assertTrue(settings("tracing.spans = always").spansAlways());
    }

    @Test
    void anUnknownSpansSettingIsRefusedWithOneLineNamingTheKeyAndTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings("tracing.spans = sometimes"));
        assertEquals("skein.observability.tracing.spans must be auto or always, not 'sometimes'", e.getMessage());
    }
}
