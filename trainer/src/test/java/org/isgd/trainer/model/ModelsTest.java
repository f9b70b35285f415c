package org.isgd.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

class ModelsTest {
    @Test
    void everyModelMapsImagesToTenLogits() {
        OfflineEngine.get();
        for (final String name : Models.NAMES) {
            try (Model model = Model.newInstance(name);
                 NDManager manager = NDManager.newBaseManager()) {
                model.setBlock(Models.build(name, 10));
                model.getBlock().initialize(manager, DataType.FLOAT32, new Shape(1, 1, 28, 28));
                final NDList out = model.getBlock().forward(new ParameterStore(manager, false),
                        new NDList(manager.zeros(new Shape(3, 1, 28, 28))), false);
                assertEquals(new Shape(3, 10), out.singletonOrThrow().getShape(), name);
            }
        }
    }

    @Test
    void unknownModelNamesTheChoices() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.build("resnet", 10));
        assertTrue(e.getMessage().contains("[cnn, tiny]"), e.getMessage());
    }
}
