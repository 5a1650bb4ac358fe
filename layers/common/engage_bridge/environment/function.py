"""What every function is given (``FunctionEnvironment``), and the check of a function's variables at cold start."""

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engage_bridge.errors import ConfigError
from engage_bridge.observability import bind


class FunctionEnvironment(BaseModel):
    """What ``template.yaml`` gives every function: who it is, for metrics and logs."""

    # defer_build: built when a function parses its own variables, not for every base class on the way.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    service: str = Field(alias="POWERTOOLS_SERVICE_NAME", min_length=1)
    metrics_namespace: str = Field(alias="POWERTOOLS_METRICS_NAMESPACE", min_length=1)
    environment_name: str = Field(alias="ENVIRONMENT_NAME", min_length=1)

    def bind_observability(self) -> None:
        bind(service=self.service, namespace=self.metrics_namespace, environment=self.environment_name)


def parse_environment[E: BaseModel](model: type[E], environ: Mapping[str, str]) -> E:
    try:
        return model.model_validate(dict(environ))
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        # A check across variables (a model validator) has no location: its message names them.
        field = str(first["loc"][0]) if first["loc"] else "environment"
        raise ConfigError(field, first["msg"]) from None
