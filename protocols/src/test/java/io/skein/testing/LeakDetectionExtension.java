package io.skein.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector reported a leaked buffer while it ran.
 *
 * <p>Registered for every test through JUnit's extension auto-detection (surefire sets
 * {@code junit.jupiter.extensions.autodetection.enabled}); the level is PARANOID through surefire's
 * {@code -Dio.netty.leakDetection.level}. Netty only reports a leak when it tracks a new buffer after
 * the leaked one was collected, so after each class this forces a collection and allocates a few
 * tracked buffers before it looks.
 */
public final class LeakDetectionExtension implements AfterAllCallback {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        install();
    }

    /** Installs the recording detector factory; idempotent and safe to call from anywhere. */
    public static synchronized void install() {
        if (Installed.done) {
            return;
        }
        Installed.done = true;
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                       long maxActive) {
                ResourceLeakDetector<T> detector = new ResourceLeakDetector<>(resource, samplingInterval, maxActive);
                detector.setLeakListener((type, records) -> LEAKS.add("LEAK of " + type + ":\n" + records));
                return detector;
            }
        });
    }

    /** Collects garbage and provokes Netty's leak reporting, then returns (and forgets) what was reported. */
    public static List<String> collectLeaks() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            System.runFinalization();
            for (int i = 0; i < 64; i++) {
                ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(8);
                a.release();
                ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(8);
                b.release();
            }
        }
        List<String> found = new ArrayList<>(LEAKS);
        LEAKS.removeAll(found);
        return found;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = collectLeaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) reported during "
                    + context.getDisplayName() + ":\n" + String.join("\n", leaks));
        }
    }

    private static final class Installed {
        static boolean done;
    }
}
