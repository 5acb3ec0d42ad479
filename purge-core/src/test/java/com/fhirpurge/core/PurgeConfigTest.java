package com.fhirpurge.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.inject.Inject;
import java.lang.reflect.Constructor;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PurgeConfigTest {

    @Test
    void defaultsAreValidAndUseTheR4PatientCompartment() {
        PurgeConfig config = PurgeConfig.defaults();

        assertThat(config.batchSize()).isEqualTo(500);
        assertThat(config.compartment().code()).isEqualTo("Patient");
        assertThat(config.compartment().members()).hasSize(66).doesNotContainKey("Device");
        assertThat(config.summary()).contains("batchSize=500").contains("Patient(66 types)");
    }

    @Test
    void invalidSettingsAreRefusedByName() {
        assertThatThrownBy(() -> PurgeConfig.builder().batchSize(0).build()).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> PurgeConfig.builder().workers(65).build()).hasMessageContaining("workers");
        assertThatThrownBy(() -> PurgeConfig.builder().heartbeatInterval(Duration.ofSeconds(40))
                .leaseDuration(Duration.ofSeconds(60)).build()).hasMessageContaining("leaseDuration");
        assertThatThrownBy(() -> PurgeConfig.builder().throttlePerSecond(-1).build())
                .hasMessageContaining("throttlePerSecond");
        assertThatThrownBy(() -> PurgeConfig.builder().nodeId("a b").build()).hasMessageContaining("nodeId");
        assertThatThrownBy(() -> PurgeConfig.builder().maxPatientsPerJob(0).build())
                .hasMessageContaining("maxPatientsPerJob");
        assertThatThrownBy(() -> PurgeConfig.builder().retry(3, Duration.ofSeconds(2), Duration.ofSeconds(1))
                .build()).hasMessageContaining("maxBackoff");
    }

    @Test
    void theServiceHasExactlyOneInjectableConstructor() {
        Constructor<?>[] injectable = Arrays.stream(PurgeService.class.getConstructors())
                .filter(c -> c.isAnnotationPresent(Inject.class)).toArray(Constructor[]::new);

        assertThat(injectable).hasSize(1);
        assertThat(injectable[0].getParameterTypes())
                .containsExactly(PurgeStorage.class, PurgeConfig.class, java.time.InstantSource.class);
    }
}
