package com.fhirpurge.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fhirpurge.mongo.MongoLayout.Membership;
import com.mongodb.client.MongoDatabase;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A layout is validated when it is built, so no name from it can become an operator or a dotted path. */
class MongoLayoutTest {

    private static final List<String> BAD_NAMES = List.of("", "$where", "a.b", "a$b", "1abc", "a b", "a-b", "{type}.x",
            "r\u00e9s", "x".repeat(130), "a\u0000b");

    @Test
    void hostileOrMalformedCollectionPatternsAreRefused() {
        for (String bad : BAD_NAMES) {
            if (!bad.isEmpty()) {
                assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).collectionPattern(bad + "{type}")
                        .build()).as(bad).isInstanceOf(IllegalArgumentException.class);
            }
            assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).historyCollectionPattern(bad).build())
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).collectionPattern("resources").build())
                .hasMessageContaining("{type}");
        assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).collectionPattern("{type}_{type}").build())
                .hasMessageContaining("exactly once");
        assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).historyCollectionPattern("{type}").build())
                .hasMessageContaining("differ");
        assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).collectionPattern(null).build())
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void hostileMalformedReservedOrDuplicateFieldNamesAreRefused() {
        for (String bad : BAD_NAMES) {
            assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).versionField(bad).build()).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> MongoLayout.builder(Membership.REFERENCE_FIELD).referencesField(bad).build())
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).stringIndexField(bad).build())
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).tokenIndexField(bad).build())
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).dateIndexField(bad).build())
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        for (String reserved : List.of("_id", "id", "resourceType")) {
            assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).deletedField(reserved).build())
                    .hasMessageContaining("reserved");
        }
        assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).lastUpdatedField("__version").build())
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> MongoLayout.builder(Membership.RAW_JSON).dateIndexField("__refs").build())
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> MongoLayout.builder(null).build()).isInstanceOf(NullPointerException.class);
    }

    @Test
    void collectionNamesComeFromValidatedResourceTypesAndAreRecognisedBack() {
        MongoLayout layout = MongoLayout.builder(Membership.RAW_JSON).collectionPattern("fhir_{type}")
                .historyCollectionPattern("fhir_{type}_history").build();

        assertThat(layout.collectionFor("Observation")).isEqualTo("fhir_Observation");
        assertThat(layout.historyCollectionFor("Observation")).isEqualTo("fhir_Observation_history");
        assertThat(layout.typeOfCollection("fhir_Observation")).isEqualTo("Observation");
        assertThat(layout.typeOfCollection("fhir_Observation_history")).isNull();
        assertThat(layout.typeOfCollection("fp_tasks")).isNull();
        assertThat(layout.typeOfCollection("fhir_")).isNull();
        assertThatThrownBy(() -> layout.collectionFor("Observation.x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> layout.collectionFor("$where")).isInstanceOf(IllegalArgumentException.class);
        assertThat(MongoLayout.rawJson().typeOfCollection("Observation_history")).isNull();
        assertThat(MongoLayout.rawJson().typeOfCollection("Observation")).isEqualTo("Observation");
        assertThat(MongoLayout.rawJson().membership()).isEqualTo(Membership.RAW_JSON);
        assertThat(MongoLayout.referenceField().membership()).isEqualTo(Membership.REFERENCE_FIELD);
    }

    @Test
    void aJobRepositoryPrefixIsValidatedToo() {
        try (TestMongo mongo = TestMongo.create("prefix")) {
            MongoDatabase db = mongo.database(mongo.newClient());
            for (String bad : List.of("fp.", "$x", "a b", "x".repeat(40))) {
                assertThatThrownBy(() -> new MongoJobRepository(db, bad)).as(bad)
                        .isInstanceOf(IllegalArgumentException.class);
            }
        }
    }
}
