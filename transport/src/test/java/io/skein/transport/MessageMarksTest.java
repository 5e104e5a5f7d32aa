package io.skein.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class MessageMarksTest {

    @Test
    void anUnmarkedInstanceAnswersNothingForAnyMessage() {
        MessageMarks marks = new MessageMarks();
        assertNull(marks.get("a"));
        assertNull(marks.take("a"));
        assertNull(marks.get(null));
        marks.clear();
        assertEquals(0, marks.size());
    }

    @Test
    void marksGoByIdentityNotEqualityAndATakenMarkIsGone() {
        MessageMarks marks = new MessageMarks();
        String first = new String("message");
        String equal = new String("message");
        marks.put(first, false);
        assertEquals(Boolean.FALSE, marks.get(first));
        assertNull(marks.get(equal), "an equal but different message has no mark");
        marks.put(first, true);
        assertEquals(1, marks.size(), "a second mark replaces the first");
        assertEquals(Boolean.TRUE, marks.take(first));
        assertNull(marks.get(first));
        assertEquals(0, marks.size());
    }

    @Test
    void clearForgetsEveryMark() {
        MessageMarks marks = new MessageMarks();
        Object a = new Object();
        Object b = new Object();
        marks.put(a, true);
        marks.put(b, false);
        assertEquals(2, marks.size());
        marks.clear();
        assertNull(marks.get(a));
        assertNull(marks.get(b));
        assertEquals(0, marks.size());
    }
}
