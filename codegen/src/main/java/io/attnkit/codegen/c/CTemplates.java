package io.attnkit.codegen.c;

import io.attnkit.codegen.BackendException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.stringtemplate.v4.Interpreter;
import org.stringtemplate.v4.ModelAdaptor;
import org.stringtemplate.v4.ST;
import org.stringtemplate.v4.STErrorListener;
import org.stringtemplate.v4.STGroup;
import org.stringtemplate.v4.STGroupFile;
import org.stringtemplate.v4.misc.STMessage;
import org.stringtemplate.v4.misc.STNoSuchPropertyException;

/**
 * A StringTemplate group of a C-family target, loaded from the classpath: renders one template
 * with the kernel's model. Templates read record components by name ({@code <m.qTile>}), and any
 * template error (a missing template, an unknown property) fails the rendering with a one-line
 * {@link BackendException} instead of leaving a gap in the generated code.
 */
public final class CTemplates {
    /** Rendered lines wrap here where a template asks for it ({@code wrap}): long constant tables. */
    private static final int LINE_WIDTH = 110;

    private final String resource;
    private final STGroup group;
    private final Errors errors = new Errors();

    private CTemplates(String resource, STGroup group) {
        this.resource = resource;
        this.group = group;
    }

    /** The group at classpath {@code resource}, e.g. {@code io/attnkit/codegen/opencl/opencl.stg}. */
    public static CTemplates load(String resource) throws BackendException {
        URL url = CTemplates.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new BackendException("template group " + resource + " is missing from the classpath");
        }
        STGroupFile group = new STGroupFile(url, StandardCharsets.UTF_8.name(), '<', '>');
        CTemplates templates = new CTemplates(resource, group);
        group.setListener(templates.errors);
        group.registerModelAdaptor(Record.class, new RecordAdaptor());
        return templates;
    }

    /** The text of template {@code name} with its single argument {@code argument} set to {@code model}. */
    public synchronized String render(String name, String argument, Object model) throws BackendException {
        errors.messages.clear();
        ST st = group.getInstanceOf(name);
        if (st == null) {
            throw new BackendException("template group " + resource + " has no template '" + name + "'"
                    + errors.first());
        }
        st.add(argument, model);
        String text = st.render(LINE_WIDTH);
        if (!errors.messages.isEmpty()) {
            throw new BackendException("template group " + resource + errors.first());
        }
        return text;
    }

    /** Collects StringTemplate's errors, which it would otherwise print and ignore. */
    private static final class Errors implements STErrorListener {
        final List<String> messages = new ArrayList<>();

        String first() {
            return messages.isEmpty() ? "" : ": " + messages.getFirst().lines().findFirst().orElse("");
        }

        @Override
        public void compileTimeError(STMessage msg) {
            messages.add(msg.toString());
        }

        @Override
        public void runTimeError(STMessage msg) {
            messages.add(msg.toString());
        }

        @Override
        public void IOError(STMessage msg) {
            messages.add(msg.toString());
        }

        @Override
        public void internalError(STMessage msg) {
            messages.add(msg.toString());
        }
    }

    /** Reads a record's components by name: StringTemplate itself only knows getters and fields. */
    private static final class RecordAdaptor implements ModelAdaptor<Record> {
        private final Map<Class<?>, Map<String, Method>> accessors = new ConcurrentHashMap<>();

        @Override
        public Object getProperty(Interpreter interp, ST self, Record model, Object property, String propertyName)
                throws STNoSuchPropertyException {
            Method accessor = accessors.computeIfAbsent(model.getClass(), RecordAdaptor::accessorsOf).get(propertyName);
            if (accessor == null) {
                throw new STNoSuchPropertyException(null, model, propertyName);
            }
            try {
                return accessor.invoke(model);
            } catch (ReflectiveOperationException e) {
                throw new STNoSuchPropertyException(e, model, propertyName);
            }
        }

        private static Map<String, Method> accessorsOf(Class<?> type) {
            Map<String, Method> out = new ConcurrentHashMap<>();
            for (RecordComponent c : type.getRecordComponents()) {
                Method m = c.getAccessor();
                m.setAccessible(true);
                out.put(c.getName(), m);
            }
            return out;
        }
    }
}
