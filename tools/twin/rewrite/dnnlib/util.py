import importlib


class EasyDict(dict):
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)

    def __setattr__(self, name, value):
        self[name] = value


def get_obj_by_name(name):
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def construct_class_by_name(*args, class_name=None, **kwargs):
    return get_obj_by_name(class_name)(*args, **kwargs)
